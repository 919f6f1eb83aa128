import evaluate
from evaluate.utils import launch_gradio_widget

module = evaluate.load("proceval/answer_similarity")
launch_gradio_widget(module)
