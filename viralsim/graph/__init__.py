"""The social-graph layer: the CSR graph, numba generators, edge-list I/O, networkx interop."""

from .core import SocialGraph

__all__ = ["SocialGraph"]
