import sys

from analysis.scenes.cli import main

sys.exit(main())
