import sys

from .cli import main

# Guarded: worker processes (``nianbao rollup``) import the main module again when they start.
if __name__ == "__main__":
    sys.exit(main())
