import sys

from scripts.infra_diff.cli import main

sys.exit(main())
