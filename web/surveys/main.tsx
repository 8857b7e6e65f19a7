import { mount } from '../ui/mount.js';
import { configureRouter } from '../ui/router.js';
import { SurveyApp } from './SurveyApp.js';
import './surveys.css';

configureRouter((pathname) => pathname === '/survey');

mount(<SurveyApp />);
