"""`python -m s2ide`: the same as the `s2ide` command (the UI is imported only by `gui`)."""

from s2ide.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
