"""Manim scenes: they arrange and animate what convanim.scene_data computes, nothing more."""
