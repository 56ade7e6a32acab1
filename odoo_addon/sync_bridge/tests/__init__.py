from . import test_outbox
from . import test_triggers
from . import test_contract
from . import test_credit
from . import test_security
from . import test_views
from . import test_concurrency
