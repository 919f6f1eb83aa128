import evaluate
from evaluate.utils import launch_gradio_widget

module = evaluate.load("proceval/cv_smc")
launch_gradio_widget(module)
