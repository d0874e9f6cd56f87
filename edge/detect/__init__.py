"""The detect stage: the stone detector on the rectified board."""
