import sys

from tests.fuzz import main

sys.exit(main())
