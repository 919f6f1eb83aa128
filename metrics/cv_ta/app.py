import evaluate
from evaluate.utils import launch_gradio_widget

module = evaluate.load("proceval/cv_ta")
launch_gradio_widget(module)
