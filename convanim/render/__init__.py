"""Renderers: turn a storyboard into pixels and files. Only this package imports Pillow."""
