"""知识产权政策文库: the build pipeline (read -> structure -> enrich -> write)."""
import warnings

# jieba 0.42.1 imports pkg_resources, which setuptools deprecates; harmless noise.
warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
