"""qgkg: a knowledge graph of China's quality-governance actors.

The code lives in the design card's top-level packages (``loaders``, ``graph``,
``web``; ``ontology`` and ``shapes`` are data packages). This small package holds
what all of them share: the error hierarchy and the settings.
"""

__version__ = "0.1.0"
