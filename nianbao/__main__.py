"""``python -m nianbao``: the command line, as the installed ``nianbao`` program runs it."""

import sys

from nianbao.desktop.cli import main

# Guarded: worker processes (``nianbao rollup``) import the main module again when they start.
if __name__ == "__main__":
    sys.exit(main())
