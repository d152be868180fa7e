"""Adapters for other frameworks, each behind its extra: ``djwto[drf]``, ``djwto[ninja]``,
``djwto[channels]``; ``djwto.contrib.simplejwt`` answers simplejwt's clients (``djwto[drf]``).

Each is a thin layer over :mod:`djwto.authentication` and the transports.
"""
