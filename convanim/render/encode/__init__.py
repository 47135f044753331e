"""Encoders: frames to GIF, WebP, APNG and MP4 bytes, and the one atomic file writer."""
