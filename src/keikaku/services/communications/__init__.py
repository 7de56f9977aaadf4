"""Communications: web analytics, registries of activity, the newsletter, directories, and their measures."""
