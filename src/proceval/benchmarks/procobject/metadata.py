"""ProcObject-10K's card metadata: citation, homepage, license, description (from the project page)."""

from __future__ import annotations

CITATION = """\
@inproceedings{guo2026procobject,
  title     = {{ProcObject-10K}: Benchmarking Object-Centric Procedural Understanding in Instructional Videos},
  author    = {Guo, Wenliang and Kong, Yu},
  booktitle = {Advances in Neural Information Processing Systems (NeurIPS), Evaluations and Datasets Track},
  year      = {2026},
  url       = {https://arxiv.org/abs/2512.03479}
}"""

HOMEPAGE = "https://wenliangguo.github.io/ProcObject-10K-Page/"
CODE_URL = "https://github.com/WenliangGuo/ProcObject-10K"
HF_DATASET_URL = "https://huggingface.co/datasets/BrightGuo/ProcObject-10K"
PAPER_URL = "https://arxiv.org/abs/2512.03479"

LICENSE = "cc-by-nc-4.0"
"""The annotations' license (project page footer); the videos stay under their source datasets' licenses."""

DESCRIPTION = (
    "ProcObject-10K: grounded open-ended VideoQA on object state changes in instructional videos "
    "(10,522 QA pairs over clips of 1,799 source videos from CaptainCook4D, EgoPER, HoloAssist and COIN; "
    "five QA types, two temporal search patterns; each answer comes with evidence spans in seconds), read "
    "from the official annotation release as it is."
)
