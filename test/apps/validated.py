"""wsgi_basic wrapped in wsgiref.validate.validator: any PEP 3333 slip by the server raises."""
from wsgiref.validate import validator

import wsgi_basic

app = validator(wsgi_basic.app)
