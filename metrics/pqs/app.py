import evaluate
from evaluate.utils import launch_gradio_widget

module = evaluate.load("proceval/pqs")
launch_gradio_widget(module)
