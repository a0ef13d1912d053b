"""Well-known paths of the repository that the local stack reads or writes."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = REPO_ROOT / "template.yaml"
# Runtime state of a running stack (stack.json, JWT keys); git-ignored.
STATE_DIR = REPO_ROOT / ".local"
SEED = REPO_ROOT / "local" / "seed.json"
