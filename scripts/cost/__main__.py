import sys

from scripts.cost.report import main

sys.exit(main())
