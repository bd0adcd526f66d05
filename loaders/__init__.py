"""Loaders: plan file → decode → repair → normalise script → segment → extract → IRIs → rdflib graphs.

One module per concern (see docs/MODEL.md for what they produce):
``decode`` (bytes and file formats to text), ``repair`` (pure text repairs),
``script`` (OpenCC), ``segment`` (layout strategies), ``extract`` (plan facts,
activities, agencies, programmes), ``gazetteer`` (reference data), ``iris``
(the only place IRIs are minted) and ``plan`` (the orchestrator, whose
``extract_file`` is the public entry point).
"""
