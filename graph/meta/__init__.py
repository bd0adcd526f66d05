"""Descriptions of the data: VoID, DCAT and the SPARQL service description (``void``), and the
ontology and the shapes as documentation (``docs``)."""
