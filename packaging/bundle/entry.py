"""The desktop bundle's program: the `s2ide` command (no arguments opens the app).

freeze_support() lets the model's child process (multiprocessing, spawn) start from the frozen
executable instead of re-running the whole program in it.
"""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    from s2ide.cli import main

    sys.exit(main())
