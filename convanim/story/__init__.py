"""What each frame shows and prints: the board every picture is told from, its numbers,
the presets, and the Manim scenes' plans (geometry in, no drawing)."""
