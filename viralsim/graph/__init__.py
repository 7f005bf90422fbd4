"""The social-graph layer: the CSR graph, numba generators, edge-list I/O, networkx interop."""

from .core import SocialGraph
from .generators import (
    GENERATORS,
    GeneratorSpec,
    ParamSpec,
    barabasi_albert,
    check_generator_params,
    configuration,
    erdos_renyi,
    estimate_graph_bytes,
    follower,
    generate,
    holme_kim,
    segmented,
    watts_strogatz,
)
from .io import load_graph, read_edgelist, write_edgelist
from .stats import GraphInfo

__all__ = [
    "SocialGraph",
    "GraphInfo",
    "GENERATORS",
    "GeneratorSpec",
    "ParamSpec",
    "generate",
    "estimate_graph_bytes",
    "check_generator_params",
    "read_edgelist",
    "write_edgelist",
    "load_graph",
    "erdos_renyi",
    "barabasi_albert",
    "holme_kim",
    "watts_strogatz",
    "configuration",
    "segmented",
    "follower",
]
