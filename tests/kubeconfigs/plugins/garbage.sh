#!/bin/sh
echo '<html><body>502 Bad Gateway</body></html>'
