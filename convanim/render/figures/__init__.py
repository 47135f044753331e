"""The matplotlib backend: static figures (overlap maps, the unrolled matrix)."""
