___TERMS_OF_SERVICE___

By creating or modifying this file you agree to Google Tag Manager's Community
Template Gallery Developer Terms of Service available at
https://developers.google.com/tag-manager/gallery-tos (or such other URL as
Google may provide), as modified from time to time.


___INFO___

{
  "type": "TAG",
  "id": "cvt_temp_public_id",
  "version": 1,
  "securityGroups": [],
  "displayName": "Beacon Analytics",
  "categories": ["ANALYTICS"],
  "brand": {
    "id": "brand_dummy",
    "displayName": "Beacon"
  },
  "description": "Loads the Beacon tracker (self-hosted web analytics) from your collector for one site. Fire it on All Pages.",
  "containerContexts": [
    "WEB"
  ]
}


___TEMPLATE_PARAMETERS___

[
  {
    "type": "TEXT",
    "name": "siteId",
    "displayName": "Site script id (data-site of the snippet)",
    "simpleValueType": true,
    "valueValidators": [
      {
        "type": "NON_EMPTY"
      },
      {
        "type": "REGEX",
        "args": [
          "^[A-Za-z0-9_-]+$"
        ]
      }
    ]
  },
  {
    "type": "TEXT",
    "name": "scriptUrl",
    "displayName": "Script URL (src of the snippet)",
    "simpleValueType": true,
    "defaultValue": "https://collector.example.com/v1/beacon.js",
    "valueValidators": [
      {
        "type": "NON_EMPTY"
      },
      {
        "type": "REGEX",
        "args": [
          "^https://[^?#]+$"
        ]
      }
    ]
  },
  {
    "type": "TEXT",
    "name": "extrasUrl",
    "displayName": "Extras script URL (optional: outbound and download clicks, forms, media, ecommerce)",
    "simpleValueType": true,
    "valueValidators": [
      {
        "type": "REGEX",
        "args": [
          "^(https://[^?#]+)?$"
        ]
      }
    ]
  }
]


___SANDBOXED_JS_FOR_WEB_TEMPLATE___

// injectScript cannot set data- attributes: the core reads the site from a script URL ending in
// ?site=SCRIPT_ID instead. The extras file needs window.beacon, so it is injected after the core.
const injectScript = require('injectScript');
const encodeUriComponent = require('encodeUriComponent');

const coreUrl = data.scriptUrl + '?site=' + encodeUriComponent(data.siteId);

const loadExtras = () => {
  if (!data.extrasUrl) return data.gtmOnSuccess();
  injectScript(data.extrasUrl, data.gtmOnSuccess, data.gtmOnFailure, 'beacon-extras');
};

// The cache token loads the tracker once per page, however often the tag fires.
injectScript(coreUrl, loadExtras, data.gtmOnFailure, 'beacon');


___WEB_PERMISSIONS___

[
  {
    "instance": {
      "key": {
        "publicId": "inject_script",
        "versionId": "1"
      },
      "param": [
        {
          "key": "urls",
          "value": {
            "type": 2,
            "listItem": [
              {
                "type": 1,
                "string": "https://collector.example.com/v1/"
              }
            ]
          }
        }
      ]
    },
    "clientAnnotations": {
      "isEditedByUser": true
    },
    "isRequired": true
  }
]


___TESTS___

scenarios: []


___NOTES___

Beacon tracker tag. Before use, edit the inject_script permission (Permissions tab) to your
collector's host and script path (or your first-party proxy's), e.g. https://collector.example.com/v1/.
Guide: docs/tracker.md "Google Tag Manager" in the Beacon repository.
