"""Scripts the Makefile, CI and the pipeline run. Each is a module: `python -m scripts.<name>`."""
