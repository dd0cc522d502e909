"""Subscribes in a real browser: headless Chromium driven by Selenium through Debian's chromedriver.

Usage: browser_signup.py BASE_URL OUTBOX_DIR SCREENSHOT_DIR EMAIL
Loads BASE_URL/, fills and submits the form, reads the confirmation email that reached
OUTBOX_DIR, follows its link (on BASE_URL), presses Confirm, and saves a screenshot of each
page in SCREENSHOT_DIR. Prints JSON: {"headings": [...], "confirmLink": "...", "final": "..."}.
"""
import email
import email.policy
import json
import os
import re
import sys
import time

import peer_lifetime  # noqa: F401
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

base, outbox, shots, address = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3], sys.argv[4]
os.makedirs(shots, exist_ok=True)
options = webdriver.ChromeOptions()
for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=800,1000"):
    options.add_argument(flag)
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
headings = []


def submit(button):
    """Clicks and waits for the next page to replace this one (not for a fixed time).

    The old page is marked on its window object; the new page's window has no mark. Selenium's
    staleness_of is not used: while the page is being replaced, Chromium can answer its query
    with "Node with given id does not belong to the document" instead of a stale-element error.
    """
    driver.execute_script("window.gazetteOldPage = true")
    button.click()
    WebDriverWait(driver, 30, ignored_exceptions=(WebDriverException,)).until(
        lambda d: d.execute_script("return !window.gazetteOldPage && document.readyState === 'complete'")
    )
    heading = WebDriverWait(driver, 30).until(expected_conditions.presence_of_element_located((By.TAG_NAME, "h1")))
    headings.append(heading.text)


try:
    driver.get(base + "/")
    driver.save_screenshot(os.path.join(shots, "1-form.png"))
    driver.find_element(By.ID, "email").send_keys(address)
    driver.find_element(By.CSS_SELECTOR, 'input[name="country"][value="JP"]').click()
    driver.find_element(By.CSS_SELECTOR, 'input[name="topic"][value="climate"]').click()
    submit(driver.find_element(By.ID, "submit"))
    driver.save_screenshot(os.path.join(shots, "2-check-your-email.png"))

    # The confirmation email, as the reader's mail client would show it.
    deadline = time.time() + 20
    files = []
    while not files and time.time() < deadline:
        files = [f for f in os.listdir(outbox) if f.endswith(".eml")] if os.path.isdir(outbox) else []
        time.sleep(0.1)
    message = email.message_from_binary_file(open(os.path.join(outbox, files[0]), "rb"), policy=email.policy.default)
    text = message.get_body(("plain",)).get_content()
    path = re.search(r"https?://[^/\s]+(/confirm/[A-Za-z0-9._-]+)", text).group(1)

    driver.get(base + path)
    headings.append(driver.find_element(By.TAG_NAME, "h1").text)
    driver.save_screenshot(os.path.join(shots, "3-confirm.png"))
    submit(driver.find_element(By.TAG_NAME, "button"))
    driver.save_screenshot(os.path.join(shots, "4-subscribed.png"))
    final = driver.find_element(By.TAG_NAME, "main").text
finally:
    driver.quit()
print(json.dumps({"headings": headings, "confirmLink": path, "final": final}))
