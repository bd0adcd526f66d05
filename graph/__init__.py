"""The graph: one sub-package per concern, each importing only those below it (docs/ARCHITECTURE.md).

``pages`` · ``meta`` → ``network`` · ``query`` → ``derived`` → ``build`` → ``validate`` → ``store`` → ``queries``
"""
