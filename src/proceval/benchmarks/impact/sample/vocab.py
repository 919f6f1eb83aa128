"""Vocabularies of the embedded sample release (our own, in the official IMPACT naming style).

None of these names come from the real IMPACT label files: the sample describes the service of a
small cordless drill (two workflows: disassembly and assembly) with the same *shape* as the real
vocabularies: ``NULL`` at id 0 of the coarse (CAS) and fine (FAS) maps, upper-case ``VERB_NOUN`` fine
actions, lower-case verb / noun lists embedded in the AF-S JSON files, 17 tracked components for
ASR/PSR, and an alias map from raw component names to canonical graph names. The three PPR phases
and the six ATR anomaly types are the ones the IMPACT paper defines.
"""

from __future__ import annotations

# Coarse steps (TAS-S / CV): ``mapping_CAS.txt``. Id 0 is NULL.
CAS_STEPS: tuple[str, ...] = (
    "NULL",
    "START_DRILL_SERVICE",
    "UNSCREW_SIDE_GRIP",
    "EJECT_BATTERY_PACK",
    "OPEN_HOUSING_COVER",
    "EXTRACT_GEAR_UNIT",
    "STORE_MOTOR_HOUSING",
    "RETRIEVE_MOTOR_HOUSING",
    "INSERT_GEAR_UNIT",
    "CLOSE_HOUSING_COVER",
    "INSERT_BATTERY_PACK",
    "SCREW_ON_SIDE_GRIP",
    "STORE_TOOL",
    "FINISH_DRILL_SERVICE",
)

# Coarse step order of each workflow (ids into CAS_STEPS; NULL gaps are inserted by the planner).
WORKFLOW_STEPS: dict[str, tuple[int, ...]] = {
    "disassemble": (1, 2, 3, 4, 5, 12, 6, 13),
    "assemble": (1, 7, 8, 9, 10, 11, 12, 13),
}

# AF-S verb and noun vocabularies (sorted, as in the official JSON files).
VERBS: tuple[str, ...] = (
    "adjust",
    "align",
    "hold",
    "insert",
    "pick_up",
    "place",
    "pull",
    "push",
    "screw",
    "unscrew",
)
NOUNS: tuple[str, ...] = (
    "M3_nut",
    "M5_nut",
    "battery_pack",
    "gear_unit",
    "grip_bolt",
    "housing_cover",
    "motor_housing",
    "screwdriver",
    "side_grip",
    "spindle",
)

# Fine actions (TAS-B / AF-S): ``mapping_FAS.txt``. Id 0 is NULL; others are (verb, noun).
FAS_ACTIONS: tuple[tuple[str, str], ...] = (
    ("", ""),
    ("pick_up", "side_grip"),
    ("hold", "side_grip"),
    ("unscrew", "grip_bolt"),
    ("screw", "grip_bolt"),
    ("pull", "battery_pack"),
    ("push", "battery_pack"),
    ("hold", "motor_housing"),
    ("pick_up", "screwdriver"),
    ("unscrew", "M3_nut"),
    ("screw", "M3_nut"),
    ("place", "housing_cover"),
    ("align", "housing_cover"),
    ("pull", "gear_unit"),
    ("insert", "gear_unit"),
    ("adjust", "spindle"),
    ("unscrew", "M5_nut"),
    ("screw", "M5_nut"),
    ("place", "motor_housing"),
    ("pick_up", "motor_housing"),
    ("place", "screwdriver"),
    ("hold", "gear_unit"),
)
FAS_NAMES: tuple[str, ...] = tuple("NULL" if not v else f"{v}_{n}".upper() for v, n in FAS_ACTIONS)


def fas_id(name: str) -> int:
    """Fine-action id of an upper-case ``VERB_NOUN`` name."""
    return FAS_NAMES.index(name)


# Candidate fine actions per coarse step, per hand (left, right), in the order they are performed.
HAND_ACTIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "NULL": (("NULL",), ("NULL",)),
    "START_DRILL_SERVICE": (("NULL", "HOLD_MOTOR_HOUSING"), ("NULL", "PICK_UP_SCREWDRIVER")),
    "UNSCREW_SIDE_GRIP": (
        ("HOLD_SIDE_GRIP", "HOLD_MOTOR_HOUSING"),
        ("UNSCREW_GRIP_BOLT", "PICK_UP_SIDE_GRIP"),
    ),
    "EJECT_BATTERY_PACK": (("HOLD_MOTOR_HOUSING",), ("PULL_BATTERY_PACK",)),
    "OPEN_HOUSING_COVER": (
        ("HOLD_MOTOR_HOUSING", "PLACE_HOUSING_COVER"),
        ("UNSCREW_M3_NUT", "PICK_UP_SCREWDRIVER"),
    ),
    "EXTRACT_GEAR_UNIT": (("HOLD_GEAR_UNIT", "HOLD_MOTOR_HOUSING"), ("UNSCREW_M5_NUT", "PULL_GEAR_UNIT")),
    "STORE_MOTOR_HOUSING": (("PLACE_MOTOR_HOUSING",), ("NULL", "PLACE_MOTOR_HOUSING")),
    "RETRIEVE_MOTOR_HOUSING": (("PICK_UP_MOTOR_HOUSING",), ("NULL", "HOLD_MOTOR_HOUSING")),
    "INSERT_GEAR_UNIT": (("HOLD_MOTOR_HOUSING",), ("INSERT_GEAR_UNIT", "ADJUST_SPINDLE", "SCREW_M5_NUT")),
    "CLOSE_HOUSING_COVER": (("ALIGN_HOUSING_COVER",), ("SCREW_M3_NUT",)),
    "INSERT_BATTERY_PACK": (("HOLD_MOTOR_HOUSING",), ("PUSH_BATTERY_PACK",)),
    "SCREW_ON_SIDE_GRIP": (("HOLD_SIDE_GRIP",), ("SCREW_GRIP_BOLT",)),
    "STORE_TOOL": (("NULL",), ("PLACE_SCREWDRIVER",)),
    "FINISH_DRILL_SERVICE": (("NULL", "HOLD_MOTOR_HOUSING"), ("NULL",)),
}

# Procedure phases (PPR): ``mapping_PPR.txt``; no null class.
PPR_PHASES: tuple[str, ...] = ("NORMAL", "ANOMALY", "RECOVERY")

# Anomaly types (ATR): ``mapping_ATR.txt``; multi-hot in AF-S segments and ATR records.
ANOMALY_TYPES: tuple[str, ...] = (
    "ERROR_TEMPORAL",
    "ERROR_SPATIAL",
    "ERROR_HANDLING",
    "ERROR_WRONG_PART",
    "ERROR_WRONG_TOOL",
    "ERROR_PROCEDURAL",
)

# ASR / PSR components (17) and the coarse steps that move them.
COMPONENTS: tuple[str, ...] = (
    "side_grip",
    "motor_housing",
    "spindle",
    "gear_unit",
    "housing_cover",
    "battery_pack",
    "grip_bolt",
    "cover_screw_topleft",
    "cover_screw_lowright",
    "gear_screw_topleft",
    "gear_screw_lowright",
    "M3_nut_cover_topleft",
    "M3_nut_cover_lowright",
    "spring_clip",
    "trigger_switch",
    "spacer",
    "M5_nut",
)

STEP_COMPONENTS: dict[str, tuple[str, ...]] = {
    "UNSCREW_SIDE_GRIP": ("side_grip", "grip_bolt", "spacer"),
    "SCREW_ON_SIDE_GRIP": ("side_grip", "grip_bolt", "spacer"),
    "EJECT_BATTERY_PACK": ("battery_pack",),
    "INSERT_BATTERY_PACK": ("battery_pack",),
    "OPEN_HOUSING_COVER": (
        "housing_cover",
        "cover_screw_topleft",
        "cover_screw_lowright",
        "M3_nut_cover_topleft",
        "M3_nut_cover_lowright",
    ),
    "CLOSE_HOUSING_COVER": (
        "housing_cover",
        "cover_screw_topleft",
        "cover_screw_lowright",
        "M3_nut_cover_topleft",
        "M3_nut_cover_lowright",
    ),
    "EXTRACT_GEAR_UNIT": (
        "gear_unit",
        "spindle",
        "gear_screw_topleft",
        "gear_screw_lowright",
        "spring_clip",
        "M5_nut",
    ),
    "INSERT_GEAR_UNIT": (
        "gear_unit",
        "spindle",
        "gear_screw_topleft",
        "gear_screw_lowright",
        "spring_clip",
        "M5_nut",
    ),
    "STORE_MOTOR_HOUSING": ("motor_housing", "trigger_switch"),
    "RETRIEVE_MOTOR_HOUSING": ("motor_housing", "trigger_switch"),
}

# Components that change state directly (1 -> 0 or 0 -> 1) without the in-between state -1.
DIRECT_COMPONENTS: frozenset[str] = frozenset({"motor_housing"})

# Raw component name -> canonical name used by the procedure graph (``component_alias.json``).
COMPONENT_ALIAS: dict[str, str] = {
    "grip_bolt": "grip_bolt",
    "cover_screw_topleft": "screw_cover_TL",
    "cover_screw_lowright": "screw_cover_BR",
    "gear_screw_topleft": "screw_gear_TL",
    "gear_screw_lowright": "screw_gear_BR",
    "M3_nut_cover_topleft": "nut_M3_cover_TL",
    "M3_nut_cover_lowright": "nut_M3_cover_BR",
    "M5_nut": "nut_M5",
}
# The ms_tcn2 / videomae copies also map legacy spellings (as the official ones do).
COMPONENT_ALIAS_LEGACY: dict[str, str] = {
    **COMPONENT_ALIAS,
    "screw_cover_topleft": "screw_cover_TL",
    "screw_cover_lowright": "screw_cover_BR",
    "screw_gear_topleft": "screw_gear_TL",
    "screw_gear_lowright": "screw_gear_BR",
}

ASR_MODEL_TYPE = "CD-12 mini"  # our drill's model name (the real release records its grinder's)
