"""Manim scenes: they arrange and animate what convanim.story.scenes computes, nothing more."""
