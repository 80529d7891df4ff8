"""Dataset loaders shared by the apps: local files, downloads, embedded defaults."""
