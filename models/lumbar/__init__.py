"""Training pipeline of the lumbar sagittal segmentation model (see models/README.md)."""
