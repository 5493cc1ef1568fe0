"""Smallest Django project that exercises the request cycle: no database, no templates."""
SECRET_KEY = "sharpicorn-tests-only"
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "djproj.urls"
INSTALLED_APPS = []
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
USE_TZ = True
DATABASES = {}
