"""The Pillow backend: paints a drawing's primitives into RGB frames."""
