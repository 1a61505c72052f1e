// LTI Dynamic Registration: tell the platform's page that opened the hub that the
// registration is done, so that it closes this window and finishes its set-up.
"use strict";
(window.opener || window.parent).postMessage({ subject: "org.imsglobal.lti.close" }, "*");
