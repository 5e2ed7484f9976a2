FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app

COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
# Hashed, compressed static files for WhiteNoise. The settings refuse to load in
# production mode without these variables: placeholders for this one step only,
# never in the image's environment (the real ones come at run time).
RUN SECRET_KEY=build-only ALLOWED_HOSTS=localhost EMAIL_URL=consolemail:// \
    DEBUG=false STATIC_MANIFEST=true DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    python manage.py collectstatic --no-input \
    && useradd --system --no-create-home --shell /usr/sbin/nologin portal
USER portal

EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=5 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health-check', timeout=3)"]
CMD ["gunicorn", "-c", "gunicorn.conf.py", "school.wsgi:application"]
