"""Shot-boundary (scene) detection: where the cuts of a video fall and how long each shot lasts."""

from analysis.scenes.decoding import VideoError
from analysis.scenes.detector import DetectorConfig
from analysis.scenes.engine import detect_scenes
from analysis.scenes.model import SceneResult, Shot

__all__ = ["DetectorConfig", "SceneResult", "Shot", "VideoError", "detect_scenes"]
