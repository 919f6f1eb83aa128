import evaluate
from evaluate.utils import launch_gradio_widget

module = evaluate.load("proceval/videoqa_judge")
launch_gradio_widget(module)
