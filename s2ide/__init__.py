"""s2ide, the Software 2.0 IDE: the data engine of machine learning on one laptop."""

__version__ = "0.1.0"
