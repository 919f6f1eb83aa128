import evaluate
from evaluate.utils import launch_gradio_widget

module = evaluate.load("proceval/intervention")
launch_gradio_widget(module)
