"""Manim scenes: they arrange and animate what convanim.scene_plans computes, nothing more."""
