import evaluate
from evaluate.utils import launch_gradio_widget

module = evaluate.load("proceval/oop_recovery")
launch_gradio_widget(module)
