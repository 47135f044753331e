"""What each frame shows and prints: storyboards of one slice and of channels, their numbers,
the presets, and the Manim scenes' plans (geometry in, no drawing)."""
