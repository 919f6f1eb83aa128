"""Benchmark packages: everything that names one benchmark lives in ``proceval.benchmarks.<name>``.

Each package declares one :class:`proceval.registry.Benchmark` (release resolution, configs, tasks,
card, sample writer) and registers it on import. :data:`BUILTIN_PACKAGES` lists the packages the
registry imports on first use; a test or plug-in registers its own with
:func:`proceval.registry.register_benchmark`.
"""

BUILTIN_PACKAGES: tuple[str, ...] = (
    "proceval.benchmarks.impact",
    "proceval.benchmarks.pro2bench",
    "proceval.benchmarks.procobject",
)
