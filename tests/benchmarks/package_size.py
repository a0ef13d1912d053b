"""What ships: the layer as built for Lambda (arm64), its packages by size and why each is there, and
each function's own artifact.

The layer is built by its own Makefile, as `sam build` runs it, for the Lambda platform; sizes are
the files' bytes on disk (what Lambda unzips, 250 MB at most with the function) and the zip that
would be uploaded (deflate). A package's size is every file its RECORD lists, plus the bytecode the
build compiled for them. Run: `make bench` (``python -m tests.benchmarks.package_size``).
"""

from __future__ import annotations

import argparse
import io
import zipfile
from collections import Counter
from importlib import metadata
from pathlib import Path
from typing import Any

from local.template import load_stack
from tests.benchmarks.cold_start import build_layer
from tests.conftest import ROOT

LAMBDA_PLATFORM = "manylinux2014_aarch64"  # layers/carbon_accounting/Makefile's default
# Why each distribution is in the layer: what of ours imports it (pyproject.toml's dependencies).
WHY = {
    "aws-lambda-powertools": "the API resolver, validation and OpenAPI, Logger, Metrics, batch processing",
    "pydantic": "every request and response model (Powertools' validation requires it)",
    "pydantic-core": "pydantic's compiled validator and serializer",
    "cryptography": "RS256 and ES256 signatures of JWTs (PyJWT[crypto]); imported only with JWT_ISSUER set",
    "cffi": "cryptography's binding to its compiled part",
    "pycparser": "cffi's dependency (not imported at run time)",
    "pyjwt": "JWT decoding and claim checks, the JWKS client",
    "carbon-accounting": "our package: domain, repository, the engine and its factor data",
    "jmespath": "Powertools' dependency (envelopes)",
    "typing-extensions": "pydantic's and Powertools' dependency",
    "typing-inspection": "pydantic's dependency",
    "annotated-types": "pydantic's dependency",
}


def _bytes(files: list[Path]) -> int:
    return sum(path.stat().st_size for path in files)


def _zipped(files: list[Path], root: Path) -> int:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            archive.write(path, path.relative_to(root))
    return buffer.tell()


def packages(layer: Path) -> dict[str, int]:
    """Bytes of each distribution in ``layer`` (its RECORD's files and their bytecode), and "other"."""
    owner: dict[Path, str] = {}
    for distribution in metadata.distributions(path=[str(layer)]):
        name = distribution.metadata["Name"].lower().replace("_", "-")
        for file in distribution.files or []:
            path = (layer / file).resolve()
            owner[path] = name
            if path.suffix == ".py":
                owner[path.parent / "__pycache__" / f"{path.stem}.cpython-311.pyc"] = name
    sizes: Counter[str] = Counter()
    for path in (each for each in layer.rglob("*") if each.is_file()):
        sizes[owner.get(path.resolve(), "other")] += path.stat().st_size
    return dict(sizes.most_common())


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="the same: it takes seconds")
    parser.parse_args(argv)
    layer = build_layer(bytecode=True, platform=LAMBDA_PLATFORM)
    files = [each for each in layer.rglob("*") if each.is_file()]
    unzipped, zipped = _bytes(files), _zipped(files, layer.parent)
    mib = 1024 * 1024
    print(
        f"The layer for Lambda ({LAMBDA_PLATFORM}): {unzipped / mib:.1f} MiB unzipped, "
        f"{zipped / mib:.1f} MiB zipped"
    )
    print(f"{'distribution':<24}{'MiB':>7}  why it is there")
    sizes = packages(layer)
    for name, size in sizes.items():
        print(f"{name:<24}{size / mib:>7.2f}  {WHY.get(name, '')}")
    functions = {}
    stack = load_stack(ROOT / "template.yaml")
    for function in stack.functions.values():
        code = [
            each
            for each in function.code_uri.rglob("*")
            if each.is_file() and "__pycache__" not in each.parts
        ]
        functions[function.logical_id] = _bytes(code)
    largest = max(functions, key=functions.__getitem__)
    biggest_file = max(
        stack.functions[largest].code_uri.iterdir(),
        key=lambda f: f.stat().st_size,
    )
    print(
        f"\nEach function's own artifact (its CodeUri): {min(functions.values()):,} to "
        f"{functions[largest]:,} bytes ({largest}: its {biggest_file.name}), {len(functions)} functions"
    )
    return {"layer_bytes": unzipped, "layer_zip_bytes": zipped, "packages": sizes, "functions": functions}


if __name__ == "__main__":
    main()
