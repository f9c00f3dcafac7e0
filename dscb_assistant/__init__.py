"""DSCB Learning Assistant: find the learning in published child safeguarding case reviews, quoted verbatim."""

__version__ = "0.1.0"
