import os
from pathlib import Path

import evaluate
from evaluate.utils import launch_gradio_widget

# On a Hugging Face Space, SPACE_ID is the Space's own id (ORG/<name>, as `proceval push-metric` names it);
# from a checkout, the module is this folder.
module = evaluate.load(os.environ.get("SPACE_ID") or str(Path(__file__).resolve().parent))
launch_gradio_widget(module)
