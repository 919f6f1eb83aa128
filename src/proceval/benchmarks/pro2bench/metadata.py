"""Pro2Bench / EgoProactive facts shared by the declaration and the card: homepage, license, citation."""

from __future__ import annotations

HOMEPAGE = "https://huggingface.co/datasets/facebook/wearable-ai"
LICENSE = "cc-by-nc-4.0"
CITATION = """@article{kundu2026planwatchrecover,
  title   = {Plan, Watch, Recover: A Benchmark and Architectures for Proactive Procedural Assistance},
  author  = {Kundu, Kaustav and Shrivastava, Ritvik and Arap, Maxim and Wang, Nanshu and Zhu, Xianhui and
             Fettes, Quintin and Tiwari, Gautam and Suresh, Parth and Moutakanni, Th{\\'e}o and
             Castillejo Munoz, Alejandro and Bolourchi, Allen and Fung, Pascale and Donmez, Pinar and
             Damavandi, Babak and Kumar, Anuj and Moon, Seungwhan},
  journal = {arXiv preprint arXiv:2606.04970},
  year    = {2026}
}"""
DESCRIPTION = (
    "Pro2Bench / EgoProactive (Plan, Watch, Recover; arXiv 2606.04970): at each decision point of an "
    "egocentric procedural video an assistant decides to interrupt (and what to say) or to stay silent. "
    "The EgoProactive challenge file is read as released (one row per session, or one per decision "
    "interval); the paper's richer Pro2Bench fields are unpublished and are read from proceval's own "
    "documented schema."
)
