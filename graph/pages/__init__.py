"""The view models of the web pages: one function per page, returning a dataclass the template renders.

* ``models``: the dataclasses; ``entities``: the entity pages by kind, and ``describe`` (RDF of a resource)
* ``home``: the home and search pages; ``network``: the /network and /programmes pages
* ``text``: agency mentions and activity spans marked in text
"""
